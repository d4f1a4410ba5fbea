"""retention-agent: an encrypted vault that keeps a Hjem til Os child's data for exactly
as long as Red Barnet's rules allow, then deletes it for good."""

__version__ = "0.1.0"
