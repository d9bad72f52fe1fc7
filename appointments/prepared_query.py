"""Queries the form POST runs every time, compiled once per process and then only executed.

Building a queryset and compiling its SQL is most of what a small query costs in
Python, and the POST runs the same few queries with new values each time (inside
the patients' write lock, some of them). A ReusableQuery compiles its queryset the
first time, keeps the SQL, and afterwards binds each run's values itself, adapted
for the database as the ORM adapts them.
"""

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connections


class ReusableQuery:
    """A values_list() query, as `build(*values, **shape)` returns it, whose SQL is
    compiled once per database and shape (the keyword arguments: what changes the SQL
    itself, not only its values, such as a LIMIT). `fields` names the model field each value is compared
    with, in order; the compiled SQL must take exactly those values as its parameters,
    in that order, which is checked when it is compiled (so a query that cannot be
    reused this way fails at once, in the tests, never by answering wrongly)."""

    def __init__(self, model, build, *, fields):
        self._model = model
        self._build = build
        self._fields = tuple(fields)
        self._compiled = {}  # (database alias, *shape) -> (compiler, sql), or None: matches nothing

    def prepare(self, *values, using=DEFAULT_DB_ALIAS, **shape):
        """The query for these values, compiled (or reused) now, to run later with rows()."""
        params = self._adapted(values, connections[using])
        key = (using, *sorted(shape.items()))
        if key not in self._compiled:
            self._compiled[key] = self._compile(values, shape, params, using)
        return PreparedRun(self._compiled[key], params, using)

    def rows(self, *values, using=DEFAULT_DB_ALIAS, **shape):
        return self.prepare(*values, using=using, **shape).rows()

    def _adapted(self, values, connection):
        if len(values) != len(self._fields):
            raise TypeError(f"Expected {len(self._fields)} values, for {', '.join(self._fields)}.")
        meta = self._model._meta
        return tuple(
            meta.get_field(name).get_db_prep_value(value, connection, prepared=False)
            for name, value in zip(self._fields, values, strict=True)
        )

    def _compile(self, values, shape, params, using):
        queryset = self._build(*values, **shape)
        compiler = queryset.query.get_compiler(using=using)
        try:
            sql, compiled_params = compiler.as_sql()
        except EmptyResultSet:
            return None
        if tuple(compiled_params) != params:
            raise ValueError(
                f"This query's parameters are not its values in order ({len(compiled_params)} "
                f"parameters for {len(params)} values): it cannot be reused with new values."
            )
        return compiler, sql


class PreparedRun:
    """One run of a ReusableQuery: its SQL and this run's parameters."""

    def __init__(self, compiled, params, using):
        self._compiled, self._params, self._using = compiled, params, using

    def rows(self):
        """The rows as tuples, converted as the ORM converts them."""
        if self._compiled is None:
            return []
        compiler, sql = self._compiled
        with connections[self._using].cursor() as cursor:
            cursor.execute(sql, self._params)
            return list(compiler.results_iter([cursor.fetchall()], tuple_expected=True))
