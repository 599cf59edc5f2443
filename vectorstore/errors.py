"""The errors of the storage layer that a user can cause (a store that cannot be opened or reached,
another process holding the store): each message says what to do next."""


class StoreError(Exception):
    """The store cannot be opened or reached; the message says which setting to fix."""
