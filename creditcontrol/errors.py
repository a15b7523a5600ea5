"""The one exception type for broken business rules; the API turns it into a 400 with its details."""


class DomainError(Exception):
    def __init__(self, message: str, *, details: dict | list | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.details = details
        self.code = code
