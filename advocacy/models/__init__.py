"""SQLAlchemy models, one module per aggregate."""

from .action import Action
from .base import Base
from .delivery import Delivery, DeliveryEvent
from .directory import DirectoryEntry, District, PostalDistrict
from .lookup import PostcodeLookup, RateBucket
from .supporter import Supporter

__all__ = ["Action", "Base", "Delivery", "DeliveryEvent", "DirectoryEntry", "District", "PostalDistrict",
           "PostcodeLookup", "RateBucket", "Supporter"]
