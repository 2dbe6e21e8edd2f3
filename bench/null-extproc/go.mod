module ai-extproc/bench/null-extproc

go 1.24
