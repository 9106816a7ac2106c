"""The one exception type for a user's mistake. The CLI prints it as one line; bugs still raise."""


class KgrecError(Exception):
    """A user's mistake or bad input file: the message names the value and what was expected."""


class ConfigError(KgrecError, ValueError):
    """A bad setting: names the field, the value and the valid options."""


class DataFileError(KgrecError):
    """A malformed or missing data file: names the file, the line and what was expected."""

    def __init__(self, path, line: int | None, expected: str):
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {expected}")
        self.path, self.line, self.expected = path, line, expected


class NotFoundError(KgrecError):
    """An unknown name; the message lists the closest matches."""

    def __init__(self, what: str, value: str, closest: list[str]):
        hint = f"; closest: {', '.join(repr(c) for c in closest)}" if closest else ""
        super().__init__(f"{what} {value!r} not found{hint}")
        self.value, self.closest = value, closest
