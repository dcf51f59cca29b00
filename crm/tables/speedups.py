"""Remember django-tables2's reading of render-method signatures.

django-tables2 (3.0) calls `inspect.signature` on a column's render method for every cell
it renders, to learn which arguments the method wants; on a 50-row list that was a fifth of
the page's time. A function's signature does not change, so it is read once per function
(bound methods share their function's entry) and remembered. Installed by CrmConfig.ready().
"""

from django_tables2 import utils

_original_signature = utils.signature
_known: dict = {}
_LIMIT = 4096  # functions made on the fly (lambdas in a loop) must not grow this without end


def remembered_signature(fn):
    key = (getattr(fn, "__func__", fn), hasattr(fn, "__self__"))
    try:
        return _known[key]
    except KeyError:
        pass
    except TypeError:  # an unhashable callable: read it each time, as the library does
        return _original_signature(fn)
    found = _original_signature(fn)
    if len(_known) < _LIMIT:
        _known[key] = found
    return found


def install() -> None:
    utils.signature = remembered_signature
