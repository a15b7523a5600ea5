"""The API's JSON parser. A module of its own, importing no DRF view: DRF reads DEFAULT_PARSER_CLASSES while
`rest_framework.views` is being imported, so the parser must load without it (a Celery worker imports the
API plumbing before any view)."""

import codecs
import json
import math

from rest_framework import exceptions, parsers
from rest_framework.utils.json import strict_constant


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"Out of range float values are not JSON compliant: {text}")
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a number too big for a float (`1e400`, which Python reads as infinity) and a
    body nested too deep for the parser are malformed JSON like any other: a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return json.load(
                codecs.getreader(encoding)(stream), parse_constant=strict_constant, parse_float=_finite_float
            )
        except (ValueError, RecursionError) as error:
            reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
            raise exceptions.ParseError(f"JSON parse error - {reason}") from None
