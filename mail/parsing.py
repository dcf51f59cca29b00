"""Reading saved and fetched messages into plain data: headers decoded, text kept, HTML
turned into text (scripts and styles removed), attachments listed, forwards recognised.

Nothing here touches the database; services.py decides where a parsed message goes.
"""

from __future__ import annotations

import contextlib
import datetime
import email
import email.utils
import hashlib
import mailbox
import re
import unicodedata
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header

from django.utils import timezone


class UnreadableMessage(ValueError):
    """The bytes are not an email message at all (as opposed to an odd but readable one)."""


@dataclass
class Address:
    name: str
    email: str


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Forward:
    """The original message inside a forward: who sent it, to whom, when."""

    sender: Address
    to: list[Address] = field(default_factory=list)
    date: datetime.datetime | None = None
    subject: str = ""


@dataclass
class ParsedMessage:
    message_id: str
    subject: str
    sender: Address | None
    to: list[Address]
    cc: list[Address]
    date: datetime.datetime | None
    text: str
    html_text: str
    headers: str
    in_reply_to: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    forward: Forward | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> list[Address]:
        return [*self.to, *self.cc]


# --- headers ---------------------------------------------------------------------------------


def _header(msg, name: str) -> str:
    """A header as text, whatever its encoding; unknown charsets are decoded leniently."""
    try:
        value = msg.get(name)
    except Exception:  # a header the parser cannot even split
        value = None
    if value is None:
        raw = _raw_header(msg, name)
        if raw is None:
            return ""
        value = raw
    try:
        text = str(value)
    except Exception:
        text = _raw_header(msg, name) or ""
    text = _unescape(text)
    if "=?" in text:  # encoded words (RFC 2047), decoded leniently whatever the charset
        text = _decode_words(text)
    return _clean(text)


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (surrogate-escaped by the parser) decoded as UTF-8 or guessed."""
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        return _decode_bytes(text.encode("ascii", "surrogateescape"), "utf-8")
    return text


def _raw_header(msg, name):
    for key, value in getattr(msg, "_headers", []):
        if key.lower() == name.lower():
            return value if isinstance(value, str) else str(value)
    return None


def _decode_words(text: str) -> str:
    parts = []
    try:
        chunks = decode_header(text)
    except Exception:
        return text
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            parts.append(chunk)
            continue
        parts.append(_decode_bytes(chunk, charset))
    return "".join(parts)


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:
        pass
    return data.decode("latin-1", errors="replace")


def _clean(text: str) -> str:
    """One line, no control characters (they break headers and CSV exports alike)."""
    text = re.sub(r"\s+", " ", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()


def _addresses(msg, name: str) -> list[Address]:
    values = []
    try:
        values = msg.get_all(name) or []
    except Exception:
        raw = _raw_header(msg, name)
        values = [raw] if raw else []
    text = [_decode_words(_unescape(str(v))) if "=?" in str(v) else _unescape(str(v)) for v in values]
    found = []
    for display, addr in email.utils.getaddresses(text):
        addr = (addr or "").strip().strip("<>").lower()
        if "@" in addr and " " not in addr:
            found.append(Address(_clean(display)[:300], addr[:320]))
    return found


def _date(value: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or not (1970 <= when.year <= 2200):
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when, datetime.UTC)
    return when


# --- bodies ----------------------------------------------------------------------------------


def _part_text(part) -> str:
    payload = part.get_payload(decode=True) or b""
    if isinstance(payload, str):
        return payload
    return _decode_bytes(payload, part.get_content_charset())


BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "blockquote",
    "pre",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "ul",
    "ol",
}


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: scripts, styles and comments dropped, blocks on lines."""
    if not html or not html.strip():
        return ""
    import lxml.html
    from lxml import etree

    try:
        doc = lxml.html.document_fromstring(html.encode("utf-8", errors="replace"))
    except (etree.ParserError, ValueError):
        return ""
    for bad in doc.xpath("//script|//style|//head|//noscript|//template|//iframe|//object|//embed|//svg"):
        bad.drop_tree()
    for comment in doc.xpath("//comment()"):
        comment.drop_tree()
    for element in doc.iter():
        if isinstance(element.tag, str) and element.tag.lower() in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
    text = doc.text_content()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


_UNSAFE = re.compile(r"[^\w.\- ()+]", re.UNICODE)


def safe_filename(name: str, fallback: str = "attachment") -> str:
    """A file name that is safe on disk and in a Content-Disposition header."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"_+", "_", name)
    if not name:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) <= 10:
        return f"{stem[:100]}.{ext}"
    return name[:110]


def _parts(msg):
    if msg.is_multipart():
        payload = msg.get_payload()
        return [p for p in payload if hasattr(p, "get_content_type")] if isinstance(payload, list) else []
    return [msg]


def _walk(msg, parsed: ParsedMessage, texts: list, htmls: list, depth=0):
    for part in _parts(msg):
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        if ctype == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if hasattr(inner, "get") and hasattr(inner, "as_bytes"):
                parsed._inner.append(inner)  # type: ignore[attr-defined]
                try:
                    data = inner.as_bytes()
                except Exception:
                    data = b""
                name = _header(inner, "Subject") or "forwarded message"
                parsed.attachments.append(Attachment(safe_filename(f"{name}.eml"), ctype, data))
            continue
        if part.is_multipart():
            if depth < 20:
                _walk(part, parsed, texts, htmls, depth + 1)
            continue
        filename = part.get_filename()
        if filename is not None or disposition == "attachment" or not ctype.startswith("text/"):
            if ctype.startswith("multipart/"):
                continue
            data = part.get_payload(decode=True) or b""
            fallback = "attachment" + (f".{ctype.split('/')[-1]}" if "/" in ctype else "")
            parsed.attachments.append(Attachment(safe_filename(_decode_words(filename or ""), fallback), ctype, data))
            continue
        if ctype == "text/html":
            htmls.append(_part_text(part))
        else:
            texts.append(_part_text(part))


# --- forwards --------------------------------------------------------------------------------

FWD_SUBJECT = re.compile(r"^\s*(fwd?|fw|tr|wg)\s*:", re.IGNORECASE)
GMAIL_MARK = re.compile(r"-{5,}\s*Forwarded message\s*-{5,}", re.IGNORECASE)
OUTLOOK_MARK = re.compile(r"^[ >]*-{3,}\s*Original Message\s*-{3,}", re.IGNORECASE | re.MULTILINE)
BLOCK_LINE = re.compile(r"^[ >*]*(From|Sent|Date|To|Cc|Subject)\s*:\s*\**\s*(.*)$", re.IGNORECASE)


def _parse_loose_date(value: str) -> datetime.datetime | None:
    value = re.sub(r"\bat\b", " ", value or "")
    value = value.replace(",", " ")
    if not value.strip():
        return None
    try:
        from dateutil import parser as dateparser

        when = dateparser.parse(value, fuzzy=True, dayfirst=False)
    except (ValueError, OverflowError, TypeError):
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    return when


def _loose_addresses(value: str) -> list[Address]:
    found = []
    for display, addr in email.utils.getaddresses([value.replace(";", ",")]):
        addr = addr.strip().strip("<>").lower()
        if "@" not in addr:
            match = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", display)
            addr = match.group(0).lower() if match else ""
        if addr:
            found.append(Address(_clean(display.split("[")[0]).strip('"')[:300], addr))
    return found


def _forward_block(text: str) -> Forward | None:
    """The first header block (From:, Sent:/Date:, To:, Subject:) after a forward marker."""
    mark = GMAIL_MARK.search(text) or OUTLOOK_MARK.search(text)
    start = mark.end() if mark else 0
    fields: dict[str, str] = {}
    for line in text[start:].splitlines():
        if not line.strip():
            if fields:
                break
            continue
        match = BLOCK_LINE.match(line)
        if not match:
            if fields:
                break
            if mark:
                continue
            return None
        fields.setdefault(match.group(1).lower(), match.group(2).strip())
    if "from" not in fields:
        return None
    senders = _loose_addresses(fields["from"])
    if not senders:
        return None
    return Forward(
        sender=senders[0],
        to=_loose_addresses(fields.get("to", "")) + _loose_addresses(fields.get("cc", "")),
        date=_parse_loose_date(fields.get("date") or fields.get("sent") or ""),
        subject=_clean(fields.get("subject", "")),
    )


def _find_forward(parsed: ParsedMessage, inner_messages) -> Forward | None:
    text = parsed.text or parsed.html_text
    looks_forwarded = bool(FWD_SUBJECT.match(parsed.subject))
    if GMAIL_MARK.search(text):
        return _forward_block(text)
    if inner_messages and (looks_forwarded or not text.strip()):
        inner = inner_messages[0]
        senders = _addresses(inner, "From")
        if senders:
            return Forward(
                senders[0],
                _addresses(inner, "To") + _addresses(inner, "Cc"),
                _date(_header(inner, "Date")),
                _header(inner, "Subject"),
            )
    if looks_forwarded:
        # Outlook puts the block straight after the forwarder's note, or after "Original Message".
        for match in re.finditer(r"^[ >*]*From\s*:", text, re.MULTILINE):
            block = _forward_block(text[match.start() :])
            if block is not None:
                return block
    return None


# --- entry points ----------------------------------------------------------------------------


def parse_bytes(data: bytes) -> ParsedMessage:
    """Parse one message; raise UnreadableMessage when the bytes are not an email at all."""
    if not data or not data.strip():
        raise UnreadableMessage("The file is empty.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableMessage("This is an Outlook .msg file, not a saved message (.eml): import it as .msg.")
    try:
        # compat32 leaves headers as text: decoding them ourselves is lenient with unknown
        # charsets and several times faster than policy.default's header objects.
        msg = email.message_from_bytes(data, policy=policy.compat32)
    except Exception as error:  # the stdlib parser is lenient; anything raised means unreadable
        raise UnreadableMessage(f"Not an email message ({error.__class__.__name__}).") from error
    return parse_message(msg, raw=data)


KNOWN_HEADERS = (
    "from",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "received",
    "return-path",
    "sender",
    "mime-version",
    "delivered-to",
    "reply-to",
)


def parse_message(msg, raw: bytes | None = None) -> ParsedMessage:
    keys = {k.lower() for k in msg}
    if not keys & set(KNOWN_HEADERS):
        raise UnreadableMessage("Not an email message: no From, To, Subject or Date header.")
    problems = [f"{d.__class__.__name__}" for d in getattr(msg, "defects", [])][:5]
    message_id = _header(msg, "Message-ID").strip()
    if not message_id or len(message_id) > 490:
        # No Message-ID: a stable one from the content, so the same file is still a duplicate.
        body = raw if raw is not None else msg.as_bytes()
        message_id = f"<sha256-{hashlib.sha256(body).hexdigest()}@no-message-id.invalid>"
    senders = _addresses(msg, "From")
    parsed = ParsedMessage(
        message_id=message_id,
        subject=_header(msg, "Subject")[:1000],
        sender=senders[0] if senders else None,
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=_date(_header(msg, "Date")),
        text="",
        html_text="",
        headers="\n".join(f"{k}: {_clean(str(v)) if _safe(v) else '?'}" for k, v in _items(msg))[:20000],
        in_reply_to=_header(msg, "In-Reply-To")[:490],
        problems=problems,
    )
    parsed._inner = []  # type: ignore[attr-defined]
    texts: list[str] = []
    htmls: list[str] = []
    try:
        _walk(msg, parsed, texts, htmls)
    except Exception as error:  # a broken MIME tree: keep the headers, say so
        parsed.problems.append(f"Body unreadable ({error.__class__.__name__}).")
    parsed.text = _no_nul("\n\n".join(t.strip() for t in texts if t and t.strip()))
    parsed.html_text = _no_nul(html_to_text("\n".join(htmls))) if htmls else ""
    parsed.headers = _no_nul(parsed.headers)
    parsed.forward = _find_forward(parsed, parsed._inner)  # type: ignore[attr-defined]
    return parsed


def _no_nul(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters; a message carrying them is still kept."""
    return text.replace("\x00", "") if text else text


def _items(msg):
    try:
        return list(msg.raw_items())
    except Exception:
        return []


def _safe(value) -> bool:
    try:
        str(value)
        return True
    except Exception:
        return False


def read_msg_file(data: bytes) -> ParsedMessage:
    """An Outlook .msg file (OLE compound document) through extract-msg."""
    import io

    import extract_msg

    if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableMessage("Not an Outlook .msg file (it does not start like one).")
    try:
        item = extract_msg.openMsg(io.BytesIO(data))
    except Exception as error:
        raise UnreadableMessage(f"Outlook file unreadable ({error.__class__.__name__}).") from error
    try:
        header_text = str(getattr(item, "header", "") or "")
        msg = email.message_from_string(header_text, policy=policy.compat32) if header_text.strip() else None
        sender = _loose_addresses(str(item.sender or ""))
        to = _loose_addresses(str(item.to or ""))
        cc = _loose_addresses(str(item.cc or ""))
        when = item.date
        if isinstance(when, datetime.datetime) and timezone.is_naive(when):
            when = timezone.make_aware(when, datetime.UTC)
        body = str(item.body or "")
        html = item.htmlBody
        if isinstance(html, bytes):
            html = _decode_bytes(html, "utf-8")
        message_id = (_header(msg, "Message-ID") if msg is not None else "") or str(
            getattr(item, "messageId", "") or ""
        )
        if not message_id:
            message_id = f"<sha256-{hashlib.sha256(data).hexdigest()}@no-message-id.invalid>"
        parsed = ParsedMessage(
            message_id=message_id.strip()[:490],
            subject=_clean(str(item.subject or ""))[:1000],
            sender=sender[0] if sender else None,
            to=to,
            cc=cc,
            date=when if isinstance(when, datetime.datetime) else None,
            text=_no_nul(body.strip()),
            html_text=_no_nul(html_to_text(html or "")) if html else "",
            headers=_no_nul(header_text[:20000]),
        )
        for att in getattr(item, "attachments", []) or []:
            payload = getattr(att, "data", None)
            if isinstance(payload, bytes):
                name = getattr(att, "longFilename", None) or getattr(att, "shortFilename", None) or "attachment"
                parsed.attachments.append(
                    Attachment(safe_filename(name), getattr(att, "mimetype", "") or "application/octet-stream", payload)
                )
        parsed.forward = _find_forward(parsed, [])
        return parsed
    finally:
        with contextlib.suppress(Exception):
            item.close()


def split_mbox(path) -> list[tuple[int, bytes]]:
    """(position, raw bytes) of each message of an mbox file."""
    box = mailbox.mbox(str(path), create=False)
    try:
        out = []
        for index, key in enumerate(box.iterkeys(), start=1):
            try:
                out.append((index, box.get_bytes(key)))
            except Exception:
                out.append((index, b""))
        return out
    finally:
        box.close()


def looks_like_mbox(data: bytes) -> bool:
    return data.startswith(b"From ") and b"\n" in data[:2000]
