"""Analysis, drafting, verification and the user-facing shells (CLI, later the HTTP API)."""

from .settings import LLMSettings, Settings, load_settings
from .workspace import Workspace

__all__ = ["LLMSettings", "Settings", "Workspace", "load_settings"]
