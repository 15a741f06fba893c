"""The adbc_kafarr package version (it matches the driver's, driver.Version)."""

__version__ = "0.1.0"
