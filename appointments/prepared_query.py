"""A query's SQL compiled ahead of time, to run later at the cost of one execute (inside the form POST's write lock)."""

from django.core.exceptions import EmptyResultSet
from django.db import connections


class PreparedQuery:
    """The rows of a values_list() queryset, as tuples converted as the ORM converts
    them, with the SQL built and compiled now. Building and compiling is most of what
    a small query costs in Python; rows() only executes it."""

    def __init__(self, queryset):
        self._compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            self._sql, self._params = self._compiler.as_sql()
        except EmptyResultSet:
            self._sql = None  # a filter that matches nothing (an empty __in=[])

    def rows(self):
        if self._sql is None:
            return []
        with connections[self._compiler.using].cursor() as cursor:
            cursor.execute(self._sql, self._params)
            return list(self._compiler.results_iter([cursor.fetchall()], tuple_expected=True))
