package dev.tollgate.identity;
