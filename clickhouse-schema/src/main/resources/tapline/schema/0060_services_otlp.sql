-- How a service's OpenTelemetry spans become calls: whether its CLIENT spans count too, and the
-- span or resource attributes that name a call's customer and plan (empty: none).
ALTER TABLE services
    ADD COLUMN IF NOT EXISTS otlp_client_spans       UInt8,
    ADD COLUMN IF NOT EXISTS otlp_customer_attribute String,
    ADD COLUMN IF NOT EXISTS otlp_plan_attribute     String;
