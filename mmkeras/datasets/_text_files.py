"""Reading the text files the loaders take (caption tables, annotations, transcripts)."""

import io
import pathlib


def open_utf8(path, what):
    """`path`'s text as a file object, checked to be UTF-8 (a byte-order mark is dropped).

    Spreadsheet programs save CSV files with a byte-order mark, which would
    otherwise become part of the first column's name, or in a legacy
    encoding, which would otherwise fail with Python's UnicodeDecodeError
    and no file name.

    Raises:
        ValueError: naming the file, the line and the byte that is not UTF-8.
    """
    data = pathlib.Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise ValueError(
            f"{path}, line {line}: the {what} must be UTF-8 text, and byte {data[error.start]:#04x} at offset "
            f"{error.start} is not. Save the file as UTF-8 (in a spreadsheet: 'CSV UTF-8')."
        ) from None
    return io.StringIO(text, newline=None if pathlib.Path(path).suffix.lower() != ".csv" else "")
