"""The public surface of `assessment` for other apps. Other apps import only this module."""
