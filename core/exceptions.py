class ApplicationError(Exception):
    """A business rule said no. Views turn it into a form error or a message; the text is
    already translated and fit to show to the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
