"""What the signed operator-config tests share."""

GROUP = "district-a"  # the group the test kiosk is in
