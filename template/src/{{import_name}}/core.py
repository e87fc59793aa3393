"""The package's public behaviour: replace this example with your own."""


def greet(name: str) -> str:
    """Return a greeting for ``name``, ignoring surrounding white space.

    Raises:
        ValueError: if ``name`` is empty or only white space.
    """
    cleaned = name.strip()
    if not cleaned:
        raise ValueError("name must not be empty")
    return f"Hello, {cleaned}!"
