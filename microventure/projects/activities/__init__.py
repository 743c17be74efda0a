"""Activity records (活动记录): recording, revising and reviewing what a project held."""
