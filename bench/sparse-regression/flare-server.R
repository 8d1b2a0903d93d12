# flare's side of the sparse-regression benchmarks: a long-lived R process that node drives through two named
# pipes (see flare-client.mjs), so flare's time is measured without R's start-up and can be interleaved with ours.
#   Rscript flare-server.R <dir>   (flare from R_LIBS, e.g. R_LIBS=/tmp/Rlib; flare itself is never committed)
# Commands, one per line on <dir>/cmd; each is answered by one line on <dir>/reply:
#   load <id> <file>   read the case description (JSON) and its data into memory            → ok
#   run <id> [save]    time slim()/sugm() on case <id>; with "save", also write <dir>/<id>.json
#                      (λ path, solutions, df)                                               → {"cpu":…,"wall":…}
#   quit
# system.time(gcFirst = FALSE): a forced full GC before each run would add ~0.5 s to every round trip that
# the benchmark harness times; collections during the run are counted, as they are for ours.
suppressPackageStartupMessages({ library(flare); library(jsonlite) })
dir <- commandArgs(trailingOnly = TRUE)[1]
readMat <- function(f, n, d) matrix(readBin(f, "double", n * d, endian = "little"), n, d, byrow = TRUE)
cases <- list()
cmd <- fifo(file.path(dir, "cmd"), open = "r", blocking = TRUE)
reply <- fifo(file.path(dir, "reply"), open = "w", blocking = TRUE)
answer <- function(s) { writeLines(s, reply); flush(reply) }
repeat {
  line <- readLines(cmd, n = 1)
  if (length(line) == 0) break
  parts <- strsplit(line, " ", fixed = TRUE)[[1]]
  if (parts[1] == "quit") break
  if (parts[1] == "load") {
    cs <- fromJSON(parts[3], simplifyVector = FALSE)
    cs$X <- readMat(file.path(dir, cs$x), cs$n, cs$d)
    if (!is.null(cs$y)) cs$y <- readBin(file.path(dir, cs$y), "double", cs$n, endian = "little")
    cases[[parts[2]]] <- cs
    answer("ok")
  } else if (parts[1] == "run") {
    cs <- cases[[parts[2]]]
    if (cs$kind == "slim") {
      q <- if (is.null(cs$q)) 2 else cs$q
      st <- system.time(fit <- slim(cs$X, cs$y, method = cs$method, q = q, nlambda = cs$nlambda, verbose = FALSE), gcFirst = FALSE)
    } else {
      st <- system.time(fit <- sugm(cs$X, method = cs$method, nlambda = cs$nlambda, verbose = FALSE), gcFirst = FALSE)
    }
    if (length(parts) > 2 && parts[3] == "save") {
      res <- list(id = cs$id, lambda = fit$lambda)
      if (cs$kind == "slim") {
        res$beta <- as.vector(as.matrix(fit$beta)) # d × nlambda, column-major, original scale
        res$intercept <- as.vector(fit$intercept)
        res$df <- fit$df
      } else {
        res$icov <- lapply(fit$icov, function(M) as.vector(as.matrix(M)))
      }
      writeLines(toJSON(res, digits = NA, auto_unbox = TRUE), file.path(dir, paste0(cs$id, ".json")))
    }
    answer(toJSON(list(cpu = st[["user.self"]] + st[["sys.self"]], wall = st[["elapsed"]]), digits = NA, auto_unbox = TRUE))
  }
}
