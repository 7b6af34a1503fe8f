#compdef edoc

_edoc_completion() {
  eval $(env _TYPER_COMPLETE_ARGS="${words[1,$CURRENT]}" _EDOC_COMPLETE=complete_zsh edoc)
}

compdef _edoc_completion edoc
