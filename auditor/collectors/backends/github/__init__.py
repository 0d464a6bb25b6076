"""GitHub access for the collector: client, GraphQL batches, REST steps, parsing helpers.

Split by concern so each part stays small: ``client`` (the guarded requester), ``graphql``
(batch document and answer), ``rest`` (one step per endpoint), ``funding`` and ``company``
(pure parsing), ``metrics`` (pure arithmetic), ``signals`` (the declared signal set).
"""
