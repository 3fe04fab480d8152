import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from parties.models import Membership


def test_demo_accounts_are_created_once(hisings_backa, settings, capsys):
    settings.DEBUG = True
    call_command("demo_accounts")
    call_command("demo_accounts")
    User = get_user_model()
    coordinator = User.objects.get(username="samordnare")
    assert coordinator.is_staff and not coordinator.is_superuser
    assert list(coordinator.coordinated_promises.all()) == [hisings_backa]
    assert Membership.objects.count() == 27
    assert Membership.objects.get(user__username="familjebostader").partner.name == (
        "Familjebostäder"
    )
    assert coordinator.check_password("backa-demo-2025")
    assert "backa-demo-2025" in capsys.readouterr().out


def test_demo_accounts_refused_in_production(hisings_backa, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("demo_accounts")
    assert not get_user_model().objects.exists()
