"""Settings for each database session the app opens.

PostgreSQL compiles a query to machine code (JIT) when the planner's cost estimate passes
``jit_above_cost``: a gain for analytic queries running seconds, a loss of 5–25 ms for
a list page's sort over 100,000 contacts, whose estimate passes the threshold but which runs
in a fraction of a second (the organisation list by open pledge value: 119 → 95 ms median;
the contact list newest-contacted first: 205 → 196 ms). Every query here is a web page's.
Set per session rather than as a connection option, which a connection pooler such as
PgBouncer may refuse.
"""


def on_connect(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
