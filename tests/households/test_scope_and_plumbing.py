"""The shared helpers every app uses: the scope of a user, optimistic locking,
the household head."""

import pytest
from django.contrib.auth import get_user_model

from households import scope
from households.concurrency import ConcurrentEditError, check_version, claim_version
from households.models import Household, Member, Village
from households.services import CONCURRENT_EDIT_ERROR
from households.services import ConcurrentEditError as HouseholdChanged
from rectification.services import ConcurrentEditError as ProblemChanged

pytestmark = pytest.mark.django_db


def user(name):
    return get_user_model().objects.get(username=name)


# --------------------------------------------------------------------------
# Scope
# --------------------------------------------------------------------------


def test_a_cadre_sees_the_members_of_their_village_only(town):
    own, other = town["household"], town["other_household"]
    members = scope.filter_visible(Member.objects.all(), user("cadre"), via="household")
    assert set(members.values_list("household", flat=True)) == {own.pk}
    assert other.members.exists()


def test_a_leader_sees_every_member_and_a_system_administrator_none(town):
    everyone = Member.objects.count()
    assert scope.filter_visible(Member.objects.all(), user("leader"), via="household").count() == (
        everyone
    )
    assert not scope.filter_visible(Member.objects.all(), user("sysadmin"), via="household")
    assert not scope.households_visible_to(user("sysadmin")).exists()


def test_a_responsible_person_sees_the_village_of_their_household_but_works_in_none(town):
    helper = user("helper")
    household = town["household"]
    assert list(scope.households_visible_to(helper)) == [household]
    assert list(scope.villages_visible_to(helper)) == [household.village]
    assert not scope.own_villages(helper).exists()
    assert not scope.households_of_own_villages(helper).exists()


def test_own_villages_are_the_profile_s_or_every_village_for_the_whole_registry(town):
    own = town["household"].village
    assert list(scope.own_villages(user("enumerator"))) == [own]
    assert set(scope.own_villages(user("reviewer"))) == set(Village.objects.all())
    assert scope.sees_whole_registry(user("reviewer"))
    assert not scope.sees_whole_registry(user("enumerator"))


# --------------------------------------------------------------------------
# Optimistic locking
# --------------------------------------------------------------------------


def test_claiming_the_loaded_version_moves_it_on(town):
    household = Household.objects.get(pk=town["household"].pk)
    loaded = household.version
    claim_version(household, loaded)
    assert household.version == loaded + 1
    assert Household.objects.get(pk=household.pk).version == loaded + 1


def test_a_stale_version_is_refused_with_the_record_s_own_message(town):
    household = Household.objects.get(pk=town["household"].pk)
    stale = household.version
    claim_version(Household.objects.get(pk=household.pk), stale)  # someone else saved
    with pytest.raises(HouseholdChanged) as refused:
        claim_version(household, stale, HouseholdChanged)
    assert refused.value.messages == [str(CONCURRENT_EDIT_ERROR)]
    assert refused.value.code == "concurrent_edit"
    assert isinstance(refused.value, ConcurrentEditError)  # one error for every app
    assert Household.objects.get(pk=household.pk).version == stale + 1  # not bumped again


def test_a_locked_row_at_another_version_is_refused(town):
    household = Household.objects.get(pk=town["household"].pk)
    check_version(household, household.version)  # the same version passes
    with pytest.raises(ProblemChanged) as refused:
        check_version(household, household.version - 1, ProblemChanged)
    assert "该问题" in refused.value.messages[0]
    assert isinstance(refused.value, ConcurrentEditError)


# --------------------------------------------------------------------------
# The household head
# --------------------------------------------------------------------------


def test_with_head_annotates_the_head_s_fields(town):
    household = town["household"]
    head = household.members.get(relation="head")
    row = Household.objects.with_head("name", "id_number").get(pk=household.pk)
    assert (row.head_name, row.head_id_number) == (head.name, head.id_number)
    assert Household.objects.with_head().get(pk=household.pk).head_name == "赵永福"
