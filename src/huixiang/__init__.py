"""Huixiang (回响): every parent's word gets an answer, and every answer is carried out."""

__version__ = "0.1.0"
