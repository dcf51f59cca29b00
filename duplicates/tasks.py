"""Background work, run by the tasks worker: a search over many records."""

from django_tasks import task


@task()
def find_duplicates_task(target: str) -> str:
    from duplicates.services import find_duplicates

    result = find_duplicates(target)
    return f"pairs={result.stored}"
