"""The demo town's census preparation: working groups and census staff."""

from __future__ import annotations

from datetime import date

from census.models import CensusStaff, GroupMember, WorkingGroup
from demo.base import BuilderBase
from households.choices import Sex


class CensusBuilder(BuilderBase):
    """The census leading group, its office and working groups, census staff."""

    def write_census(self):
        spec = self.data["census"]
        established = date.fromisoformat(spec["established_on"])
        leading = WorkingGroup.objects.create(
            town=self.town,
            name="脱贫攻坚普查工作领导小组",
            kind=WorkingGroup.GroupKind.LEADING_GROUP,
            duties="统一领导和组织全镇脱贫攻坚普查工作",
            established_on=established,
            order=0,
        )
        GroupMember.objects.create(
            group=leading,
            name=spec["leader"]["name"],
            position=spec["leader"]["position"],
            role=GroupMember.Role.LEADER,
        )
        office = WorkingGroup.objects.create(
            town=self.town,
            name="脱贫攻坚普查工作领导小组办公室",
            kind=WorkingGroup.GroupKind.OFFICE,
            parent=leading,
            duties=spec["office_duties"],
            established_on=established,
            order=1,
        )
        GroupMember.objects.create(
            group=office, name=self.name(Sex.MALE), position="副镇长", role=GroupMember.Role.LEADER
        )
        GroupMember.objects.create(
            group=office,
            name=self.name(Sex.FEMALE),
            position="扶贫办主任",
            role=GroupMember.Role.CONTACT,
        )
        for order, group_spec in enumerate(spec["groups"], start=2):
            group = WorkingGroup.objects.create(
                town=self.town,
                name=group_spec["name"],
                kind=WorkingGroup.GroupKind.WORKING_GROUP,
                parent=leading,
                duties=group_spec["duties"],
                established_on=established,
                order=order,
            )
            GroupMember.objects.create(
                group=group,
                name=self.name(Sex.MALE),
                position="镇班子成员",
                role=GroupMember.Role.LEADER,
            )
            GroupMember.objects.create(
                group=group,
                name=self.name(Sex.FEMALE),
                position="干部",
                role=GroupMember.Role.CONTACT,
            )
        staff = [
            CensusStaff(
                name=self.name(self.rng.choice([Sex.MALE, Sex.FEMALE])),
                role=CensusStaff.Role.ENUMERATOR,
                village=village,
            )
            for village in self.villages.values()
            for _ in range(spec["enumerators_per_village"])
        ]
        staff += [
            CensusStaff(name=self.name(Sex.FEMALE), role=CensusStaff.Role.REVIEWER)
            for _ in range(spec["reviewers"])
        ]
        CensusStaff.objects.bulk_create(staff)
