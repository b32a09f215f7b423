"""The steps of planning a ledger import (:mod:`households.ledger.pipeline`),
one module per entity: grouping the file's rows into households
(:mod:`.rows`), the households (:mod:`.households`), their members
(:mod:`.members`), incomes (:mod:`.incomes`) and status (:mod:`.statuses`).
Each is a mixin of ``pipeline._Planner``, which loads the registry, keeps the
errors and runs the steps; :mod:`.messages` holds the words, :mod:`.common`
what the steps share.
"""
