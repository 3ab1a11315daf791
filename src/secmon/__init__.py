"""secmon: self-hosted security monitoring, wire-compatible with NAVER Cloud's
Security Monitoring and Webshell Behavior Detector APIs."""

__version__ = "0.1.0"
__all__ = ["__version__"]
