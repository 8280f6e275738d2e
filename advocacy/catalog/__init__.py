"""Campaign definitions: the schema, the loader that validates files, and the in-memory catalog."""

from .loader import CampaignFileError, load_campaign_text, load_directory
from .registry import Catalog
from .schema import Campaign

__all__ = ["Campaign", "CampaignFileError", "Catalog", "load_campaign_text", "load_directory"]
