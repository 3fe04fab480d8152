"""Renewal: the next promise for the same area, made from this one.

What carries over: the promise's words, its municipalities, partners and coordinators, its
focus areas with their commitments (to be edited for the new period), and the unfinished
sub-promises the coordinator picks, each with its responsibilities and a link to where it
came from. Nothing of the follow-up carries over: no rounds, reports or follow-up documents.
"""

import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from followup.models import StatusReport
from lofte.models import Commitment, FocusArea, Promise, Responsibility, SubPromise

FINISHED = (StatusReport.Status.DONE,)


def unfinished_sub_promises(promise: Promise):
    """Sub-promises not done by the latest round's report (or without one)."""
    latest = promise.periods.order_by("-deadline", "-pk").first()
    sub_promises = SubPromise.objects.filter(focus_area__promise=promise).select_related(
        "focus_area"
    )
    if latest is None:
        return sub_promises
    status = StatusReport.objects.filter(sub_promise=OuterRef("pk"), period=latest).values(
        "status"
    )[:1]
    # Without a report in the latest round, a sub-promise is unfinished too (NULL status).
    return sub_promises.annotate(latest_status=Subquery(status)).filter(
        Q(latest_status__isnull=True) | ~Q(latest_status__in=FINISHED)
    )


@transaction.atomic
def renew_promise(
    *,
    promise: Promise,
    starts_on: datetime.date,
    ends_on: datetime.date,
    slug: str,
    sub_promises,
    user,
) -> Promise:
    """Creates the promise that follows `promise`, carrying over the picked sub-promises."""
    picked = list(
        SubPromise.objects.filter(
            focus_area__promise=promise, pk__in=[getattr(s, "pk", s) for s in sub_promises]
        )
        .select_related("focus_area")
        .prefetch_related("responsibilities")
        .order_by("focus_area__position", "position")
    )
    new = Promise(
        slug=slug,
        area=promise.area,
        name=promise.name,
        text=promise.text,
        organisers=promise.organisers,
        starts_on=starts_on,
        ends_on=ends_on,
        previous=promise,
    )
    new._history_user = user
    new.save()
    new.municipalities.set(promise.municipalities.all())
    new.partners.set(promise.partners.all())
    new.coordinators.set(promise.coordinators.all())
    new_areas = {}
    for area in promise.focus_areas.prefetch_related("commitments"):
        new_areas[area.pk] = FocusArea.objects.create(
            promise=new, position=area.position, name=area.name, rationale=area.rationale
        )
        Commitment.objects.bulk_create(
            Commitment(focus_area=new_areas[area.pk], position=c.position, text=c.text)
            for c in area.commitments.all()
        )
    positions: dict[int, int] = {}
    for old in picked:
        area = new_areas[old.focus_area_id]
        positions[area.pk] = positions.get(area.pk, 0) + 1
        copy = SubPromise(
            focus_area=area,
            position=positions[area.pk],
            title=old.title,
            description=old.description,
            indicator_label=old.indicator_label,
            indicator_unit=old.indicator_unit,
            indicator_target=old.indicator_target,
            derived_from=old,
        )
        copy._history_user = user
        copy.save()
        Responsibility.objects.bulk_create(
            Responsibility(sub_promise=copy, partner_id=r.partner_id, role=r.role)
            for r in old.responsibilities.all()
        )
    return new
