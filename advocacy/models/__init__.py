"""SQLAlchemy models, one module per aggregate."""

from .action import Action, Confirmation, Suppression
from .ally import Ally, AllyAction, ApiKey, WebhookDelivery
from .audit import AuditEntry
from .base import Base
from .consent import ConsentRecord
from .counters import (
    ActionCountByHour,
    ActionCountByRiding,
    ActionCountBySource,
    ActionCountChange,
    DeliveryCount,
    DeliveryCountChange,
    LetterCountByOffice,
    LetterOffice,
    LetterOfficeChange,
)
from .delivery import AddressFlag, Delivery, DeliveryAttachment, DeliveryEvent, PetitionMilestone
from .directory import DirectoryEntry, District, PostalDistrict
from .limits import RateLimitOverride, RateLimitTrip
from .lookup import PostcodeLookup, RateBucket
from .staff import LoginAttempt, RecoveryCode, Staff, StaffSession
from .stored_campaign import CatalogRevision, StoredCampaign
from .supporter import Supporter

__all__ = ["Action", "AddressFlag", "Ally", "AllyAction", "ApiKey", "AuditEntry", "Base", "Confirmation", "Delivery",
           "DeliveryAttachment", "DeliveryEvent", "DirectoryEntry", "District", "PetitionMilestone", "PostalDistrict",
           "PostcodeLookup", "RateBucket", "Suppression", "Supporter", "WebhookDelivery"]
__all__ += ["LoginAttempt", "RecoveryCode", "Staff", "StaffSession"]
__all__ += ["CatalogRevision", "StoredCampaign"]
__all__ += ["RateLimitOverride", "RateLimitTrip"]
__all__ += ["ConsentRecord"]
__all__ += ["ActionCountByHour", "ActionCountByRiding", "ActionCountBySource", "DeliveryCount", "LetterCountByOffice",
            "LetterOffice"]
__all__ += ["ActionCountChange", "DeliveryCountChange", "LetterOfficeChange"]
