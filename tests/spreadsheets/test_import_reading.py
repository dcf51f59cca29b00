"""Reading uploads: encodings, delimiters, preamble, XLSX, and every kind of file we refuse."""

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from spreadsheets.importing import ImportRejected, auto_map, read_table

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def fixture(name):
    return (FIXTURES / name).read_bytes()


def test_utf8_comma():
    table = read_table(b"Email,First Name\nada@example.org,Ada\n", "a.csv")
    assert table.headers == ["Email", "First Name"]
    assert table.rows == [["ada@example.org", "Ada"]]
    assert table.line_numbers == [2]
    assert table.delimiter == "," and table.encoding == "utf-8"


def test_cp1252_semicolon_decodes_accents_and_pound():
    table = read_table(fixture("cp1252_semicolon.csv"), "cp1252_semicolon.csv")
    assert table.encoding == "cp1252" and table.delimiter == ";"
    assert table.rows[0][1] == "Zoë"
    assert table.rows[0][3] == "Café & Co Limited"
    assert table.rows[0][4] == "Owner £"


def test_utf8_bom_and_tab():
    table = read_table(fixture("utf8_bom_tab.tsv"), "utf8_bom_tab.tsv")
    assert table.encoding == "utf-8-sig" and table.delimiter == "\t"
    assert table.headers == ["Email", "First name", "Last name"]


def test_tab_detected_in_txt_file():
    table = read_table("Email\tName\nzoë@example.org\tZoë\n".encode("utf-8-sig"), "list.txt")
    assert table.delimiter == "\t" and table.rows == [["zoë@example.org", "Zoë"]]


def test_semicolon_with_commas_inside_cells():
    data = b"Name;Email;Notes\nAda;ada@example.org;likes tea, cake\nAlan;alan@example.org;x\n"
    table = read_table(data, "a.csv")
    assert table.delimiter == ";" and table.rows[0][2] == "likes tea, cake"


def test_preamble_lines_skipped_with_right_line_numbers():
    table = read_table(fixture("linkedin_connections.csv"), "Connections.csv")
    assert table.headers[:2] == ["First Name", "Last Name"]
    assert table.line_numbers == [5, 6]
    assert table.skipped_lines == 3


def test_preamble_of_unknown_headers_uses_modal_width():
    data = b"Export from Acme CRM\nGenerated 2025-01-01\nA,B,C\n1,2,3\n4,5,6\n"
    table = read_table(data, "x.csv")
    assert table.headers == ["A", "B", "C"] and table.line_numbers == [4, 5]


def test_quoted_newline_keeps_line_numbers():
    data = b'Email,Notes\na@example.org,"two\nlines"\nb@example.org,x\n'
    table = read_table(data, "a.csv")
    assert table.line_numbers == [2, 4]
    assert table.rows[0][1] == "two\nlines"


def test_short_rows_padded_and_trailing_empty_cells_ignored():
    table = read_table(b"Email,Name,Phone\na@example.org,A\nb@example.org,B,1,,\n", "a.csv")
    assert table.rows == [["a@example.org", "A", ""], ["b@example.org", "B", "1"]]


def test_xlsx():
    wb = Workbook()
    ws = wb.active
    ws.append(["Report title"])
    ws.append([])
    ws.append(["E-mail Address", "First Name", "Last Name", "Company"])
    ws.append(["ada@example.org", "Ada", "Lovelace", "Analytical Engines"])
    buf = io.BytesIO()
    wb.save(buf)
    table = read_table(buf.getvalue(), "contacts.xlsx")
    assert table.headers == ["E-mail Address", "First Name", "Last Name", "Company"]
    assert table.rows == [["ada@example.org", "Ada", "Lovelace", "Analytical Engines"]]
    assert table.line_numbers == [4]


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"", "a.csv", "The file is empty."),
        (b"\n\n  \n", "a.csv", "The file is empty."),
        (b"Email,First Name\n", "a.csv", "The file has a header row but no data rows."),
        (b"Email,First Name\n\n,\n", "a.csv", "The file has a header row but no data rows."),
        (b"PK\x03\x04\x00\x00binary\x00stuff", "a.csv", "This looks like a binary file, not a CSV text file."),
        (b"Email\na@example.org\n", "contacts.pdf", "use a .csv, .txt, .tsv or .xlsx file"),
        (b"Email\na@example.org\n", "contacts", "use a .csv, .txt, .tsv or .xlsx file"),
        (
            b"Email,Name\na@example.org,A\nb@example.org,B,extra,cells\n",
            "a.csv",
            "Line 3 has 4 cells but the header has 2.",
        ),
        (b'Email,Name\na@example.org,"Ada\nb@example.org,B\n', "a.csv", 'Line 2 has a quote (") that is never closed'),
        (b"not a workbook", "a.xlsx", "cannot be opened"),
    ],
)
def test_rejected_files(data, name, message):
    with pytest.raises(ImportRejected) as exc:
        read_table(data, name)
    assert message in str(exc.value)


def test_over_size_limit(settings):
    settings.CRM_IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportRejected, match="the limit is 100 bytes"):
        read_table(b"Email\n" + b"a@example.org\n" * 20, "a.csv")


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "outlook.csv",
            {
                "First Name": "first_name",
                "Last Name": "last_name",
                "E-mail Address": "email",
                "Company": "organisation",
                "Job Title": "job_title",
                "Business Phone": "phone",
                "Title": "",
                "Middle Name": "",
                "E-mail Display Name": "",
                "Mobile Phone": "",
            },
        ),
        (
            "google_contacts.csv",
            {
                "Given Name": "first_name",
                "Family Name": "last_name",
                "E-mail 1 - Value": "email",
                "Organization 1 - Name": "organisation",
                "Organization 1 - Title": "job_title",
                "Phone 1 - Value": "phone",
                "E-mail 1 - Type": "",
            },
        ),
        (
            "google_contacts_new.csv",
            {
                "First Name": "first_name",
                "Last Name": "last_name",
                "E-mail 1 - Value": "email",
                "Organization Name": "organisation",
                "Organization Title": "job_title",
            },
        ),
        (
            "linkedin_connections.csv",
            {
                "First Name": "first_name",
                "Last Name": "last_name",
                "Email Address": "email",
                "Company": "organisation",
                "Position": "job_title",
                "URL": "",
                "Connected On": "",
            },
        ),
        (
            "generic_crm.csv",
            {
                "Full Name": "full_name",
                "Email": "email",
                "Organisation": "organisation",
                "Phone": "phone",
                "Tags": "tags",
                "Notes": "notes",
            },
        ),
        (
            "cp1252_semicolon.csv",
            {
                "Surname": "last_name",
                "Forename": "first_name",
                "Email": "email",
                "Organisation": "organisation",
                "Job title": "job_title",
            },
        ),
    ],
)
def test_auto_map_export_shapes(name, expected):
    table = read_table(fixture(name), name)
    mapping = auto_map("contacts", table.headers)
    assert set(mapping) == set(table.headers)
    for header, field in expected.items():
        assert mapping[header] == field, header


def test_auto_map_is_case_space_and_punctuation_insensitive():
    mapping = auto_map("contacts", ["EMAIL-ADDRESS", " family  name ", "organization_1_name", "Organization"])
    assert mapping == {
        "EMAIL-ADDRESS": "email",
        " family  name ": "last_name",
        "organization_1_name": "organisation",
        "Organization": "",
    }


def test_auto_map_other_targets():
    assert auto_map("organisations", ["Company", "City", "Website"]) == {
        "Company": "name",
        "City": "city",
        "Website": "website",
    }
    assert auto_map("pledges", ["Sponsor", "Event", "Amount (GBP)", "Stage"]) == {
        "Sponsor": "organisation",
        "Event": "event",
        "Amount (GBP)": "amount",
        "Stage": "stage",
    }


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_excel_unicode_text_utf16_tab_separated_is_read(encoding):
    """Excel's "Save as Unicode Text": UTF-16 (with a byte-order mark), tab-separated."""
    text = "Email\tFirst name\tOrganisation\nzoë@example.org\tZoë\tCafé & Co\nbo@example.org\tBo\tŁódź Digital\n"
    table = read_table(text.encode(encoding), "contacts.txt")
    assert table.delimiter == "\t" and table.encoding.startswith("utf-16")
    assert table.headers == ["Email", "First name", "Organisation"]
    assert table.rows == [["zoë@example.org", "Zoë", "Café & Co"], ["bo@example.org", "Bo", "Łódź Digital"]]


def test_a_truly_binary_file_is_still_refused():
    with pytest.raises(ImportRejected, match="binary"):
        read_table(bytes(range(256)) * 40, "data.csv")


def test_title_column_read_as_honorific_or_job_title_from_its_values():
    outlook = read_table(
        b"Title,First Name,Last Name,E-mail Address\nDr,Priya,Shah,p@x.org\nMrs,Ann,Lee,a@x.org\n"
        b"Cllr.,John,Smith,j@x.org\n,Bo,Li,b@x.org\n",
        "outlook.csv",
    )
    assert auto_map("contacts", outlook.headers, outlook.rows)["Title"] == "salutation"
    hubspot = read_table(
        b"Email,First Name,Title\np@x.org,Priya,Head of Digital\na@x.org,Ann,Procurement Lead\n", "hubspot.csv"
    )
    assert auto_map("contacts", hubspot.headers, hubspot.rows)["Title"] == "job_title"
    # Without the values (an unknown file), a Title column is not guessed at.
    assert auto_map("contacts", hubspot.headers)["Title"] == ""
