from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _summary_changed(sender, instance, **kwargs) -> None:
    from shortscience.summaries.models import refresh_paper_stats

    refresh_paper_stats([instance.paper_id])


class SummariesConfig(AppConfig):
    name = "shortscience.summaries"

    def ready(self) -> None:
        from shortscience.summaries.models import Summary

        # Every save and delete, including a cascade from a deleted account or paper and the
        # admin's: the paper's public summary count and date follow in the same transaction.
        post_save.connect(_summary_changed, sender=Summary, dispatch_uid="summaries.stats.save")
        post_delete.connect(_summary_changed, sender=Summary, dispatch_uid="summaries.stats.delete")
