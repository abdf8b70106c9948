"""kenning: persistent project memory and code context for AI coding assistants."""

__version__ = "0.1.0"

__all__ = ["__version__"]
