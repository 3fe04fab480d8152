"""Imports that cost a few queries a file, not a dozen a row.

django-import-export saves each row on its own (a savepoint, the insert, a history record)
and validates each row with queries (foreign keys, unique and check constraints). A
resource with `BulkImportMixin` instead looks up what the file names up front, checks the
model's rules in Python with the data in hand, and writes every new and changed row, with
its history, in bulk at the end of the file. Rows are still checked one by one, so a bad
row is reported with its number and reason, and the file still imports all or nothing.
"""

import operator

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint, Q
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

# SQL's comparisons: a NULL on either side is unknown (None), which a CHECK lets pass.
_COMPARISONS = {
    "exact": operator.eq,
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


class _NotInPython(Exception):
    """A lookup this module does not evaluate: the database checks it instead."""


def _lookup(instance, lookup: str, expected):
    name, _sep, op = lookup.partition("__")
    value = getattr(instance, instance._meta.get_field(name).attname)
    op = op or "exact"
    if op == "isnull":
        return (value is None) == bool(expected)
    if value is None or expected is None:
        return None
    if op == "in":
        return value in expected
    if op in _COMPARISONS:
        return _COMPARISONS[op](value, expected)
    raise _NotInPython(lookup)


def _holds(q: Q, instance) -> bool | None:
    """SQL's three-valued truth of a Q of plain field lookups, for one instance."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(_holds(child, instance))
        elif isinstance(child, tuple) and "__" not in child[0].partition("__")[2]:
            results.append(_lookup(instance, *child))
        else:
            raise _NotInPython(child)
    if q.connector == Q.AND:
        result = False if False in results else (None if None in results else True)
    else:
        result = True if True in results else (None if None in results else False)
    return (None if result is None else not result) if q.negated else result


def check_constraints(instance, exclude: set[str]) -> list[ValidationError]:
    """The model's check constraints on `instance`, in Python when they are plain lookups.

    Each is skipped when it names an excluded field, as Django's own validation does."""
    errors = []
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            fields = {child[0].split("__")[0] for child in _leaves(constraint.condition)}
            if fields & exclude:
                continue
            if _holds(constraint.condition, instance) is False:
                errors.append(
                    ValidationError(
                        constraint.get_violation_error_message(),
                        code=constraint.violation_error_code,
                    )
                )
        except _NotInPython:
            try:
                constraint.validate(type(instance), instance, exclude=exclude)
            except ValidationError as e:
                errors.append(e)
    return errors


def _leaves(q: Q):
    for child in q.children:
        if isinstance(child, Q):
            yield from _leaves(child)
        elif isinstance(child, tuple):
            yield child
        else:
            raise _NotInPython(child)


def by_column(resource, errors: dict) -> ValidationError:
    """The errors of a row's fields, each under the file's column name (“rubrik”, not
    “title”), as the coordinator reads the file."""
    columns = {f.attribute: f.column_name for f in resource.fields.values() if f.attribute}
    return ValidationError({columns.get(name, name): found for name, found in errors.items()})


class BulkImportMixin:
    """Validation in Python and saving in bulk, for a ModelResource with `use_bulk = True`.

    A resource sets `bulk_update_fields` (what an import may change), `looked_up_fields`
    (foreign keys it has found among the user's own objects, so they need no query to
    validate) and may extend `after_bulk_create` / `after_bulk_update` to write what hangs on
    the saved rows. Unique constraints are the resource's to keep: it finds existing rows by
    their key and refuses a key that a file names twice.
    """

    bulk_update_fields: list[str] = []
    looked_up_fields: set[str] = set()

    def history_user(self):
        return getattr(self, "user", None)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | self.looked_up_fields
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        violated = check_constraints(instance, exclude)
        if violated:
            errors = ValidationError({NON_FIELD_ERRORS: violated}).update_error_dict(errors)
        if errors:
            raise by_column(self, errors)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.create_instances and (using_transactions or not dry_run):
            try:
                bulk_create_with_history(
                    self.create_instances,
                    self._meta.model,
                    batch_size=batch_size,
                    default_user=self.history_user(),
                )
                self.after_bulk_create(self.create_instances)
            except Exception as e:  # reported on the import page; the file is rolled back
                self.handle_import_error(result, e, raise_errors)
            finally:
                self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if self.update_instances and (using_transactions or not dry_run):
            try:
                bulk_update_with_history(
                    self.update_instances,
                    self._meta.model,
                    self.bulk_update_fields,
                    batch_size=batch_size,
                    default_user=self.history_user(),
                )
                self.after_bulk_update(self.update_instances)
            except Exception as e:  # reported on the import page; the file is rolled back
                self.handle_import_error(result, e, raise_errors)
            finally:
                self.update_instances.clear()

    def after_bulk_create(self, instances: list) -> None:
        """Called with the new rows once they have their primary keys."""

    def after_bulk_update(self, instances: list) -> None:
        """Called with the changed rows once they are saved."""
