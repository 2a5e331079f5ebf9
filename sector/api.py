"""The public surface of `sector` for other apps. Other apps import only this module."""
