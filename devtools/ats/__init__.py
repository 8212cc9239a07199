"""Loopback replicas of the candidate-facing application forms of Greenhouse, Lever and Ashby, and of
an unseen home-grown form, for the bot's tests and the demo (docs/bot.md, "Application forms")."""
