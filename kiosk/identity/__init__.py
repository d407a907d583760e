"""Identity verification (人证比对): the live face against the ID photo with active liveness,
the fingerprint against the card's template, and the policy that chooses between them.

Nothing here imports dlib: the face models live in a worker process (worker.py). See
docs/identity.md.
"""
