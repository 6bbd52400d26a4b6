"""Settings dataclasses read from nameko's config (mooc_common/infra/settings.py)."""
from dataclasses import dataclass

from mooc_common.infra.settings import flag, settings_from
from services.integrations.lrs_forwarder import LrsSettings
from services.integrations.webhooks import WebhookSettings
from services.notifications.dispatcher import MailSettings


@dataclass(frozen=True)
class Example:
    rate: float = 2.5
    loopback: bool = False
    name: str = "mặc định"


KEYS = {"rate": ("RATE", float), "loopback": ("LOOPBACK", flag), "name": ("NAME", str)}


def test_unset_and_empty_keys_keep_the_class_defaults():
    assert settings_from(Example, {}, KEYS) == Example()
    assert settings_from(Example, {"RATE": "", "NAME": None}, KEYS) == Example()


def test_set_keys_are_cast():
    assert settings_from(Example, {"RATE": "7", "LOOPBACK": "yes", "NAME": "x"}, KEYS) == Example(7.0, True, "x")


def test_the_services_settings_read_their_keys():
    assert MailSettings.from_config({}) == MailSettings()
    assert MailSettings.from_config({"MAIL_RATE_PER_SECOND": "5", "SMTP_CONNECTIONS": "2"}).rate_per_second == 5.0
    webhooks = WebhookSettings.from_config({"WEBHOOK_ALLOW_LOOPBACK_HTTP": "1", "WEBHOOK_MAX_ATTEMPTS": "3"})
    assert webhooks.allow_loopback_http and webhooks.max_attempts == 3 and webhooks.timeout_s == 5.0
    lrs = LrsSettings.from_config({"WEBHOOK_ALLOW_LOOPBACK_HTTP": "true", "LRS_TIMEOUT_SECONDS": "2.5"})
    assert lrs.allow_loopback_http and lrs.timeout_s == 2.5 and lrs == LrsSettings(timeout_s=2.5, allow_loopback_http=True)
