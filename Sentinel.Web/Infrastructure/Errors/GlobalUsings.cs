// The table of error codes lives in common/ (compiled into Web and the silo); every Web file sees it as before.
global using Sentinel.Errors;
