"""The demo town (fixtures/demo_town.json), built deterministically (``demo.build``;
``manage.py load_demo``). Above every domain app: it fills them all."""
