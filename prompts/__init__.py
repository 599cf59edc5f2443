"""The prompt files (Markdown with named ``{variables}``), shipped as package data and read by
``assistant.prompts.load_prompt``. No code here: this file makes the folder a package so that an
installed wheel carries the prompts."""
