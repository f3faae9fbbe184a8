package dev.tollgate.bench;
