package dev.tollgate.config;
