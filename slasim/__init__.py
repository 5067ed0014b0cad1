"""slasim: design a sales-marketing SLA on evidence."""

__version__ = "0.1.0"
__all__ = ["__version__"]
