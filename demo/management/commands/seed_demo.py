"""Load the demo: a fictional company (Tessellate), its segments, accounts and content.

Idempotent: a second run finds what exists and adds only what is missing.
"""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from demo.seed import DEMO_PASSWORD, DemoSeeder


class Command(BaseCommand):
    help = "Load the demo company, accounts and content (safe to run again)."

    def handle(self, *args, **options):
        seeder = DemoSeeder()
        with tqdm(
            total=seeder.total_steps(), desc="Demo content", unit="item", disable=None
        ) as bar:
            seeder.run(progress=lambda n=1: bar.update(n))
        self.stdout.write(self.style.SUCCESS(seeder.summary()))
        self.stdout.write(f"All demo accounts use the password: {DEMO_PASSWORD}")
