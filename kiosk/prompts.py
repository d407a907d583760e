"""What the kiosk says aloud on each screen, in the visit's language (texts: kiosk/texts.py)."""

from __future__ import annotations

from kiosk.session import SessionView
from kiosk.texts import CATALOGUE, codes, text

# In the identity check the kiosk speaks the policy's messages and the liveness challenges.
SPOKEN_IN_VERIFY = codes("identity", "guidance")


def spoken_prompt(view: SessionView, previous: SessionView | None) -> str | None:
    """The sentence to say for `view`, or None when nothing new happened."""
    if view.prompt_more_time and not (previous and previous.prompt_more_time):
        return text("spoken.more_time", view.language)
    if view.state == "verify":
        return _verify_prompt(view, previous)
    if view.state == "capture_photo":
        return _photo_prompt(view, previous)
    if view.state == "dispense" and view.handout == "presented" and (previous is None or previous.handout != "presented"):
        return text("pickup.presented", view.language)  # the one thing the citizen must do
    if view.state == "rate" and view.rating is not None and view.rating.needs_reason:
        if previous is None or previous.rating is None or not previous.rating.needs_reason:
            return text("spoken.rate_reason", view.language)
    if (previous is not None and (previous.state, previous.stage_id) == (view.state, view.stage_id)
            and previous.language == view.language):
        return None
    if view.state == "choose" and view.step is not None:
        return view.step.prompt
    if view.state == "enter" and view.entry is not None:
        return view.entry.prompt
    code = f"spoken.{view.action or view.state}"
    return text(code, view.language) if code in CATALOGUE else None


def _verify_prompt(view: SessionView, previous: SessionView | None) -> str | None:
    """The identity check speaks its policy messages (start, retry, use the fingerprint) and
    each liveness challenge as it is asked."""
    fresh = previous is None or previous.state != view.state or previous.language != view.language
    if view.message and (fresh or view.message != previous.message) and view.message in SPOKEN_IN_VERIFY:
        return text(view.message, view.language)
    challenge = view.verify.challenge if view.verify else None
    before = previous.verify.challenge if previous is not None and previous.verify else None
    if challenge and challenge != before and challenge in SPOKEN_IN_VERIFY:
        return text(challenge, view.language)
    return None


def _photo_prompt(view: SessionView, previous: SessionView | None) -> str | None:
    """At the ID-photo camera: the screen's first sentence, then each new thing to fix, then
    the review of the photo taken."""
    fresh = previous is None or (previous.state, previous.stage_id) != (view.state, view.stage_id) \
        or previous.language != view.language
    photo, before = view.photo, previous.photo if previous is not None else None
    if photo is not None and photo.photo is not None:
        return text("photo.review", view.language) if fresh or before is None or before.photo is None else None
    if fresh:
        return text("spoken.capture_photo", view.language)
    guidance = photo.guidance if photo else None
    if guidance and guidance != (before.guidance if before else None) and guidance in CATALOGUE:
        return text(guidance, view.language)
    return None
