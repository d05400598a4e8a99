"""Understanding a ticket and writing a reply: triage (classifier, sentiment, sensitivity), the offline
and LLM engines, composing and the prompts. Pure apart from the LLM engine's calls to its server."""
