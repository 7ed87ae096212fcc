"""What mypage tells other contexts: nothing yet (it publishes no events)."""
