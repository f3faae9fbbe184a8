package dev.tollgate.proxy;
