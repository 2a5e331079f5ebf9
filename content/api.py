"""The public surface of `content` for other apps. Other apps import only this module."""
