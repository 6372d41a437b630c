"""The muscle-balance score: constants, windows, components, reasons and the verdict."""
