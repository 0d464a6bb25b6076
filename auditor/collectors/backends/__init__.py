"""The services collectors read: GitHub (``github``) and git history (``git``)."""
